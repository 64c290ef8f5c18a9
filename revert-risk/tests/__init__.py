"""The revert-risk server's tests (a package: they import ``.support`` and ``.fakes``)."""
