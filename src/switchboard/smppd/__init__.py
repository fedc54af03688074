"""The customer-facing SMPP 3.4 server: accounts, binds, submits into the send pipeline, receipts back."""
