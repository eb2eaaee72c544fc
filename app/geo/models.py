"""Building addresses loaded from DVV's open address file (`tarjotin geodata load`), for the geocoder."""

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class AddressPoint(SQLModel, table=True):
    """One address of a building: street, house number, postal code and a WGS84 point.

    `street_key` is the street name folded for lookups (case and spacing); a building with a Finnish and
    a Swedish street name is one row with both names and two keys' worth of lookups (fi and sv).
    """

    __tablename__ = "address_point"
    __table_args__ = (
        Index("ix_address_point_street_fi_key", "street_fi_key", "municipality_code"),
        Index("ix_address_point_street_sv_key", "street_sv_key", "municipality_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=3, index=True)
    street_fi: str | None = Field(default=None, max_length=200)
    street_sv: str | None = Field(default=None, max_length=200)
    street_fi_key: str | None = Field(default=None, max_length=200)
    street_sv_key: str | None = Field(default=None, max_length=200)
    house_number: str | None = Field(default=None, max_length=20)
    postal_code: str | None = Field(default=None, max_length=5)
    latitude: float
    longitude: float
