"""Settings for the load run (``benchmarks/load.py``): iamlab's own settings, unchanged, except
that the collected static files live in the run's temporary directory.

With ``DJANGO_DEBUG=0`` every page's ``{% static %}`` needs the manifest ``collectstatic``
writes into ``STATIC_ROOT``; the run collects into ``IAMLAB_LOAD_STATIC_ROOT`` so that it
never writes into the working tree.
"""

from __future__ import annotations

import os
from pathlib import Path

from iamlab.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["IAMLAB_LOAD_STATIC_ROOT"])
