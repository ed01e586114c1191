//! Who someone is and how they prove it: accounts, sign-in by link or password,
//! the second factor, browser sessions and API tokens. What a person may do once
//! known is decided in [`super::authorization`].

pub mod accounts;
pub mod api_tokens;
pub mod credentials;
pub mod sessions;
pub mod sign_in;
pub mod tokens;
