"""Network seams: one interface per kind (SMS carriers, SIP trunks, pushes), one module per backend."""
