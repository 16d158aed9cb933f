"""Partners (tax offices, banks) as data: registered, rotated and disabled with no restart."""
