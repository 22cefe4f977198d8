"""Distances and directions on the Earth, for check-ins by location."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), in metres."""

COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True)
class Point:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float

    def is_valid(self) -> bool:
        """Whether the coordinates are finite and within the globe."""
        return (
            math.isfinite(self.lat)
            and math.isfinite(self.lon)
            and -90 <= self.lat <= 90
            and -180 <= self.lon <= 180
        )


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in metres (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(a: Point, b: Point) -> float:
    """Initial bearing from `a` to `b`, in degrees clockwise from north (0-360)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def compass_point(bearing: float) -> str:
    """The nearest of the eight compass points for a bearing in degrees."""
    return COMPASS_POINTS[round((bearing % 360) / 45) % 8]
