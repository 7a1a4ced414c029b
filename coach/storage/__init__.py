"""What coach keeps in the user's data directory (``coach.paths.user_data_dir()``): profiles."""
