"""Charts: the live and stored curves, their plot widgets, menus, read-out and figure export."""
