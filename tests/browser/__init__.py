"""Browser tests: the HTML pages rendered by headless Chromium."""
