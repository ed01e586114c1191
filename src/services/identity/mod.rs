//! Who someone is and how they prove it: accounts, sign-in by link or password,
//! the second factor, browser sessions and API tokens. What a person may do once
//! known is decided in [`super::authorization`].

pub mod accounts;
pub mod api_tokens;
pub mod credentials;
pub mod sessions;
pub mod sign_in;
pub mod tokens;

use super::ServiceError;

/// Why a sign-in (by link or by password) did not sign anyone in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in link is unknown, used or expired")]
    Invalid,
    /// The link is valid but was asked for in another browser; a new one can be
    /// sent to `email` from this one.
    #[error("the sign-in link was asked for in another browser")]
    OtherBrowser { email: String },
    #[error("a current code from the authenticator app is needed")]
    CodeRequired,
    #[error("email, password or code is wrong")]
    WrongCredentials,
    /// An administrator deactivated the account.
    #[error("this account is deactivated")]
    Deactivated,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for SignInError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Service(err.into())
    }
}
