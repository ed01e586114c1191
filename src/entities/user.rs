use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub role: crate::domain::roles::Role,
    pub created_at: DateTimeUtc,
    /// argon2id PHC string; staff and jurors may set a password.
    pub password_hash: Option<String>,
    /// Base32 TOTP secret, set while being enrolled and once enabled.
    pub totp_secret: Option<String>,
    /// When two-factor authentication was turned on; None while off.
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// `de` or `en`: the language of emails to this person.
    pub locale: String,
    /// When they last signed in (a link, or password and code).
    pub last_signed_in_at: Option<DateTimeUtc>,
    /// Set by an administrator: no sign-in, session or API token works.
    pub deactivated_at: Option<DateTimeUtc>,
    /// A juror's organisation, company or school: compared with entrants' for
    /// likely conflicts of interest.
    pub organisation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::api_token::Entity")]
    ApiToken,
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiToken.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
