"""Labs: instructor-written scenarios (a story, a world, goals the engine checks, hints) loaded
from folders under ``fixtures/scenarios/``; see ``docs/scenarios.md``."""
