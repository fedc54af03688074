"""SMS text rules: alphabets, lengths and splitting into parts."""
