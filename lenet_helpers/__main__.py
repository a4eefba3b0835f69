import sys

from lenet_helpers.cli import main

sys.exit(main())
