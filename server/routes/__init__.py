"""One router per area: health, status, config (settings), live data, pages."""
