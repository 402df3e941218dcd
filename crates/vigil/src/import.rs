//! CSV import (being written).
