"""The settings the test suite runs with: the product's own, plus a secret key.

servicescore.settings refuses to start without SECRET_KEY unless DEBUG is on, and the suite
must run with DEBUG off (as production does), so the key is set here before they load.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-suite-4f9c2e7a")

from servicescore.settings import *  # noqa: E402,F403
