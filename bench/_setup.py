"""Bootstrap Django for a benchmark script run from the project root."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PASSERELLE_TESTING", "1")  # no production start-up checks for a bench

import django  # noqa: E402

django.setup()
