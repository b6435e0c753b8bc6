"""The configuration: the root model and loading (:mod:`edge.config.root`), the base of every
section (:mod:`edge.config.base`), the checks across sections (:mod:`edge.config.checks`),
settings saved from the page (:mod:`edge.config.saved`), what a change touched
(:mod:`edge.config.changes`) and the PIN rules (:mod:`edge.config.pinrules`)."""
