"""Tools beside the revscoring server, not shipped in its image: the demo model trainer
(:mod:`.demo`) and the Lift Wing catalogue check (:mod:`.liftwing_catalog`)."""

# the server package first: it sets up what the runtime needs before any library loads
import revscoring_server  # noqa: F401
