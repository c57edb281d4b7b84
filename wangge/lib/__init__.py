"""Small shared helpers with no models: settings, geometry, crypto, identity numbers, spreadsheets."""
