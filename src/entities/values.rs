//! Domain enums stored as text columns. The domain stays free of sea-orm; here each
//! enum learns to travel to and from its column through its `as_str` and `FromStr`.
//! A stored name that no value has is a read error naming the type (and the
//! database refuses it in the first place, see the `known_values` migration).

macro_rules! stored_as_text {
    ($($type:ty),+ $(,)?) => {$(
        impl From<$type> for sea_orm::Value {
            fn from(value: $type) -> Self {
                value.as_str().into()
            }
        }

        impl sea_orm::TryGetable for $type {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                index: I,
            ) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, index)?;
                text.parse().map_err(|err| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($type),
                        source: std::sync::Arc::new(err),
                    })
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $type {
            fn try_from(value: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(value)?;
                text.parse().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($type).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::String(sea_orm::sea_query::StringLen::None)
            }
        }

        impl sea_orm::sea_query::Nullable for $type {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$type> for $type {
            fn into_active_value(self) -> sea_orm::ActiveValue<$type> {
                sea_orm::ActiveValue::Set(self)
            }
        }

        impl sea_orm::sea_query::postgres_array::NotU8 for $type {}
    )+};
}

use crate::domain::CompetitionState;
use crate::domain::delivery::{DeliveredVia, EmailStatus};
use crate::domain::entries::{EntrySource, EntryStatus};
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::panel::PanelRole;
use crate::domain::jury::precheck::ExclusionReason;
use crate::domain::prizes::{PrizeKind, Tier};
use crate::domain::roles::Role;
use crate::domain::vote::VoteMode;

stored_as_text!(
    Role,
    CompetitionState,
    EntryStatus,
    EntrySource,
    EmailStatus,
    DeliveredVia,
    PanelRole,
    ExclusionReason,
    ConflictStatus,
    Tier,
    PrizeKind,
    VoteMode
);
