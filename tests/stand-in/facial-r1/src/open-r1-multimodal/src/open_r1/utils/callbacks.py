"""open_r1/utils/callbacks.py (see stand_in/open_r1_common.py)."""
from stand_in.open_r1_common import get_callbacks

__all__ = ["get_callbacks"]
