import sys

from posestudio.cli import main

sys.exit(main())
