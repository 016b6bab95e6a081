"""The game layer: levels, goals, scoring, hints and progress. No UI imports."""
