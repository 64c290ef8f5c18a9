"""Tools beside the revscoring server, not shipped in its image: the demo model trainer
(:mod:`.demo`), the table of the 110 revscoring models Lift Wing serves
(:mod:`.liftwing_models`, also used by the tests) and the Lift Wing catalogue check
(:mod:`.liftwing_catalog`)."""

# the server package first: it sets up what the runtime needs before any library loads
import revscoring_server  # noqa: F401
