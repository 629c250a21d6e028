"""``python -m tb_histdiag_plugin.demo --logdir DIR``: write the demo logs (see ``demo/__init__.py``)."""

import sys

from tb_histdiag_plugin.demo import main

sys.exit(main())
