//! The account, as its owner manages it: a new password, a copy of everything the account
//! holds, and deleting the account. Each returns the sentence to show if it failed.

use chat_protocol::{ChangePasswordRequest, DeleteAccountRequest, limits};

use super::ChatState;
use crate::net::ApiError;
use crate::text::error_text::{Attempt, explain};

/// Said when the password that should prove it is me is not the account's.
pub(crate) const WRONG_PASSWORD: &str = "That is not your current password.";

impl ChatState {
    /// Changes my password; every other device is signed out, this one stays.
    pub(crate) async fn change_password(&self, current: String, new: String) -> Result<(), String> {
        if let Err(why) = limits::check_password(&new) {
            return Err(crate::text::error_text::sentence(&why));
        }
        let req = ChangePasswordRequest {
            current_password: current,
            new_password: new,
        };
        match self.signed_in_api()?.change_password(&req).await {
            Ok(()) => Ok(()),
            Err(ApiError::Http { status: 403, .. }) => Err(WRONG_PASSWORD.to_owned()),
            Err(e) => Err(explain(&e, Attempt::Other)),
        }
    }

    /// Everything my account holds, as the JSON text the server sent.
    pub(crate) async fn export_account(&self) -> Result<String, String> {
        self.signed_in_api()?
            .export()
            .await
            .map_err(|e| explain(&e, Attempt::Other))
    }

    /// Deletes my account for good, then leaves for the sign-in page saying so.
    pub(crate) async fn delete_account(&self, password: String) -> Result<(), String> {
        let req = DeleteAccountRequest { password };
        match self.signed_in_api()?.delete_account(&req).await {
            Ok(()) => {
                let session = self.session();
                self.stop();
                session.account_deleted();
                Ok(())
            }
            Err(ApiError::Http { status: 403, .. }) => Err(WRONG_PASSWORD.to_owned()),
            Err(e) => Err(explain(&e, Attempt::Other)),
        }
    }
}
