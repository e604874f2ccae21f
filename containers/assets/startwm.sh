#!/bin/sh
# xrdp-harness window manager: keeps the session alive at almost no cost.
# The session lives as long as this process; killing it ends the session.
exec sleep infinity
