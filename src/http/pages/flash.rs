//! One-time confirmations ("Entwurf gespeichert.", "Eingereicht …") on the page a
//! form's redirect leads to, without JavaScript. The confirmation travels in a
//! short-lived cookie signed with the browser's own session cookie (HMAC-SHA256):
//! only this session can have set it, a forged or stale one is ignored. The page that
//! shows it clears it, so a reload does not repeat it. Pages show it in the layout,
//! announced to screen readers (`role="status"`).

use hmac::{Hmac, Mac};
use poem::Response;
use sha2::Sha256;

use super::i18n::Lang;
use super::layout;
use super::session::{add_cookie, see_other};
use crate::app::AppState;

pub const FLASH_COOKIE: &str = "iw_flash";

/// What a confirmation says; its text is `flash_<name>` in the page texts, with
/// `{detail}` replaced by the detail (a receipt number, a file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    DraftSaved,
    Submitted,
    ChangesSaved,
    Withdrawn,
    CoauthorInvited,
    CoauthorRemoved,
    FileAttached,
    FileRemoved,
    RecordedOnBehalf,
    StepTaken,
    PersonInvited,
    RoleChanged,
    CoordinatorAssigned,
    CoordinatorRemoved,
    PersonDeactivated,
    PersonReactivated,
    CompetitionCreated,
    CompetitionChanged,
    ProgrammeChanged,
    PhaseSaved,
    RecordedWithoutEmail,
    SheetSaved,
    SheetSubmitted,
    ConflictDeclared,
    JuryChanged,
    PayoutSaved,
    NameShown,
    NameHidden,
}

const NOTICES: [(Notice, &str); 28] = [
    (Notice::DraftSaved, "draft_saved"),
    (Notice::Submitted, "submitted"),
    (Notice::ChangesSaved, "changes_saved"),
    (Notice::Withdrawn, "withdrawn"),
    (Notice::CoauthorInvited, "coauthor_invited"),
    (Notice::CoauthorRemoved, "coauthor_removed"),
    (Notice::FileAttached, "file_attached"),
    (Notice::FileRemoved, "file_removed"),
    (Notice::RecordedOnBehalf, "recorded_on_behalf"),
    (Notice::StepTaken, "step_taken"),
    (Notice::PersonInvited, "person_invited"),
    (Notice::RoleChanged, "role_changed"),
    (Notice::CoordinatorAssigned, "coordinator_assigned"),
    (Notice::CoordinatorRemoved, "coordinator_removed"),
    (Notice::PersonDeactivated, "person_deactivated"),
    (Notice::PersonReactivated, "person_reactivated"),
    (Notice::CompetitionCreated, "competition_created"),
    (Notice::CompetitionChanged, "competition_changed"),
    (Notice::ProgrammeChanged, "programme_changed"),
    (Notice::PhaseSaved, "phase_saved"),
    (Notice::RecordedWithoutEmail, "recorded_without_email"),
    (Notice::SheetSaved, "sheet_saved"),
    (Notice::SheetSubmitted, "sheet_submitted"),
    (Notice::ConflictDeclared, "conflict_declared"),
    (Notice::JuryChanged, "jury_changed"),
    (Notice::PayoutSaved, "payout_saved"),
    (Notice::NameShown, "name_shown"),
    (Notice::NameHidden, "name_hidden"),
];

impl Notice {
    fn name(self) -> &'static str {
        NOTICES
            .iter()
            .find(|(notice, _)| *notice == self)
            .map_or("", |(_, name)| name)
    }

    fn named(name: &str) -> Option<Notice> {
        NOTICES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(notice, _)| *notice)
    }
}

/// A confirmation with its detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub notice: Notice,
    pub detail: String,
}

impl Flash {
    pub fn new(notice: Notice) -> Self {
        Self {
            notice,
            detail: String::new(),
        }
    }

    pub fn with(notice: Notice, detail: impl Into<String>) -> Self {
        Self {
            notice,
            detail: detail.into(),
        }
    }

    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        lang.text_with(
            &format!("flash_{}", self.notice.name()),
            &[("detail", self.detail.as_str().into())],
        )
    }

    fn encode(&self, session: &str) -> String {
        let payload = format!("{}.{}", self.notice.name(), hex(self.detail.as_bytes()));
        format!("{payload}.{}", hex(&signature(session, &payload)))
    }

    fn decode(session: &str, value: &str) -> Option<Self> {
        let (payload, signed) = value.rsplit_once('.')?;
        let mut mac = keyed(session);
        mac.update(payload.as_bytes());
        mac.verify_slice(&unhex(signed)?).ok()?;
        let (name, detail) = payload.split_once('.')?;
        Some(Self {
            notice: Notice::named(name)?,
            detail: String::from_utf8(unhex(detail)?).ok()?,
        })
    }
}

fn keyed(session: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    Hmac::<Sha256>::new_from_slice(session.as_bytes()).expect("any key length")
}

fn signature(session: &str, payload: &str) -> Vec<u8> {
    let mut mac = keyed(session);
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The confirmation to show on the page being rendered, if any; marks it shown.
pub fn take() -> Option<Flash> {
    layout::take_flash()
}

/// A redirect to `location` (303) that shows `flash` there.
pub fn redirect(state: &AppState, location: &str, flash: Flash) -> Response {
    let mut response = see_other(location);
    if let Some(session) = layout::session_cookie() {
        let value = super::session::set_cookie(state, FLASH_COOKIE, &flash.encode(&session), 300);
        add_cookie(&mut response, &value);
    }
    response
}

/// The confirmation `raw` carries, if it was signed for `session`.
pub(super) fn read(session: &str, raw: &str) -> Option<Flash> {
    Flash::decode(session, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_is_read_back_only_with_its_own_session() {
        let flash = Flash::with(Notice::Submitted, "2020-07-00012");
        let value = flash.encode("session-a");
        assert_eq!(Flash::decode("session-a", &value), Some(flash));
        assert_eq!(Flash::decode("session-b", &value), None);
        let forged = value.replacen("submitted", "withdrawn", 1);
        assert_eq!(Flash::decode("session-a", &forged), None);
        assert_eq!(Flash::decode("session-a", "nonsense"), None);
    }
}
