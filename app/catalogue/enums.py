"""Status and kind enumerations of the catalogue (stored as their string values)."""

from enum import StrEnum


class Source(StrEnum):
    PTV = "ptv"
    LAHELLA = "lahella"
    LINKEDEVENTS = "linkedevents"
    LOCAL = "local"


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    WELLBEING_COUNTY = "wellbeing_county"
    NGO = "ngo"
    PARISH = "parish"
    COMPANY = "company"
    STATE_AGENCY = "state_agency"
    OTHER = "other"


class RecordStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class ServiceStatus(StrEnum):
    """HSDS service.status, narrowed: HSDS 'inactive'/'defunct' are our 'retired'."""

    ACTIVE = "active"
    TEMPORARILY_CLOSED = "temporarily_closed"
    RETIRED = "retired"


class ScheduleKind(StrEnum):
    OPENING_HOURS = "opening_hours"  # weekly hours of a place or service
    EXCEPTION = "exception"  # a date range that overrides the weekly hours (holidays, summer)
    SESSION = "session"  # a recurring group session, RFC 5545 RRULE


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"


class Taxonomy(StrEnum):
    """Vocabularies a service can be tagged with (HSDS attribute -> taxonomy_term)."""

    THEME = "theme"  # our hyte themes, see app/catalogue/data/themes.csv
    PTV_SERVICE_CLASS = "ptv_service_class"  # P27.1 ...
    PTV_TARGET_GROUP = "ptv_target_group"  # KR1.2 ...
    PTV_LIFE_EVENT = "ptv_life_event"  # KE13 ...
    ONTOLOGY_TERM = "ontology_term"  # KOKO/YSO URIs with labels, as PTV and LinkedEvents send them
    KEYWORD = "keyword"  # free keywords from the source
    LAHELLA_THEME = "lahella_theme"  # ht_*
    LAHELLA_FORMAT = "lahella_format"  # hm_*
    LAHELLA_TYPE = "lahella_type"  # hobby | support | voluntary (theme_mapping.csv only)
    LINKEDEVENTS_KEYWORD = "linkedevents_keyword"  # yso:p916, helsinki:..., as LinkedEvents sends them
    FORMAT = "format"  # group, individual, online, drop-in, course ...


class AccessibilityFeature(StrEnum):
    """Features a resident can filter on; set only where the source says so."""

    WHEELCHAIR = "wheelchair"
    ROLLATOR = "rollator"
    VISUAL = "visual"
    HEARING = "hearing"
