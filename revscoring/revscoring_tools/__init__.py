"""Tools beside the revscoring server, not shipped in its image: the demo model trainer
(:mod:`.demo`) and the Lift Wing catalogue check (:mod:`.liftwing_catalog`)."""
