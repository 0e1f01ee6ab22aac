"""The demo: ``manage.py load_demo`` loads the demo content across apps (people, sandboxes,
labs, the simulator's examples). It sits above every other app and may import any of them."""
