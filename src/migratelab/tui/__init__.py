"""The Textual front end: screens and widgets that draw engine state and forward intents."""

import os

# Textual repaints at most TEXTUAL_FPS times a second (60 by default), so a
# keypress waits up to a whole frame before it shows. Stepping through the
# engine is the core of the game; 120 halves that wait. Set before textual is
# imported; a user's own TEXTUAL_FPS still wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
