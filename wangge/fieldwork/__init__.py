"""Field work (早碰头、日双巡、走访): morning briefings, patrols, household visits and their compliance."""
