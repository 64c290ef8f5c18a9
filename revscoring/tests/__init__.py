"""The revscoring server's tests (a package, so that they import ``tests.support``)."""
