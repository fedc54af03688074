"""The admin API (``/admin/api/``): JSON for scripts and the console's own needs, with normal HTTP status codes.

Shared with the console: who is calling (``access``), what they may see, and the read model of the traffic
(``oversight``). Nothing here renders the Onbuka envelope.
"""
