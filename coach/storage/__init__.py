"""What coach keeps in the user's data directory (``coach.paths.user_data_dir()``): profiles, and
the session history (``history.py``, written during live sessions by ``history_writer.py``)."""
