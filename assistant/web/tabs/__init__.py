"""One module per tab: its components as a named record, its layout and its wiring."""
