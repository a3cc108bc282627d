// Wiring lives here.
