//! The jury's rules (issue 13), pure and free of IO: how scores become a ranking
//! everyone can follow. Panels, conflicts and rounds follow in their own modules.

pub mod conflicts;
pub mod scoring;
