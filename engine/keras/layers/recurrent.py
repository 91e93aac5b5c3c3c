"""SimpleRNN, GRU, LSTM, Bidirectional."""
__all__ = []
