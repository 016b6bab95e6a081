"""The Textual front end: screens and widgets that draw engine state and forward intents."""
