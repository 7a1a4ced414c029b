"""Sound: spoken prompts (offline text-to-speech) and the metronome click, Qt-free.

Both go through one path: a sound is a WAV file (a sentence rendered by the platform's own speech
engine, or a click made with numpy) played by the platform's own player on a background thread.
See ``voice`` for the choices and why.
"""
