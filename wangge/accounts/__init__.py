"""Users, their role assignments on the area tree, API tokens and the append-only audit log."""
