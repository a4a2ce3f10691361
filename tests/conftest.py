import os

from hypothesis import settings

# Reproducible in CI: the same examples every run (still ~hundreds of distinct configs).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
