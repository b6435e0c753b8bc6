"""BlazePose two-stage pipeline (detector → region of interest → landmarks → tracking)."""
