package api

import "github.com/go-chi/chi/v5"

func (h *Handler) mountOAuth(r chi.Router)         {}
func (h *Handler) mountAccounts(r chi.Router)      {}
func (h *Handler) mountStatuses(r chi.Router)      {}
func (h *Handler) mountTimelines(r chi.Router)     {}
func (h *Handler) mountNotifications(r chi.Router) {}
