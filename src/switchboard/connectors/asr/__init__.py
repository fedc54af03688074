"""Speech recognition engines behind one interface (``base.Recogniser``); pocketsphinx is the offline default."""
