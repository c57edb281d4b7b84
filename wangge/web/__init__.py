"""Server-rendered web pages: login, district map, community and grid pages, coverage."""
