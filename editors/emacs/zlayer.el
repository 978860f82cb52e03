;;; zlayer.el --- ZImagefile mode and the zlayer language server for Eglot  -*- lexical-binding: t; -*-

;; Load with (load "/path/to/editors/emacs/zlayer.el") or copy it into your
;; load-path and (require 'zlayer).  Needs Eglot (built into Emacs 29+,
;; `elpa-eglot' on Debian 12) and `zlayer-lsp' on `exec-path'.

;;; Commentary:

;; `zimagefile-mode' for ZImagefile, ZImagefile.* and *.zimagefile, and the
;; zlayer language server registered with Eglot for it and for Dockerfiles.
;; M-x eglot (or `eglot-ensure' in the mode hook) starts the server.
;; Builds: M-x zlayer-build-stage, M-x zlayer-build-image, M-x
;; zlayer-cancel-build; the output goes to the *zlayer build* buffer.

;;; Code:

(require 'eglot)
(require 'cl-lib)

(defgroup zlayer nil
  "ZImagefiles and the zlayer language server."
  :group 'languages)

(defcustom zlayer-lsp-command '("zlayer-lsp")
  "Command that starts the zlayer language server."
  :type '(repeat string))

(defvar zimagefile-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?# "<" st)
    (modify-syntax-entry ?\n ">" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?- "_" st)
    (modify-syntax-entry ?\' "\"" st)
    st)
  "Syntax table of `zimagefile-mode': YAML comments and strings.")

(defvar zimagefile-font-lock-keywords
  '(("^[ \t]*\\(?:-[ \t]+\\)?\\([A-Za-z_][A-Za-z0-9_.-]*\\)[ \t]*:" 1 font-lock-keyword-face)
    ("\\${?[A-Za-z_][A-Za-z0-9_]*}?" 0 font-lock-variable-name-face t))
  "Highlighting of `zimagefile-mode': keys and ${VARIABLE} references.")

;;;###autoload
(define-derived-mode zimagefile-mode prog-mode "ZImagefile"
  "Major mode for ZImagefiles, ZLayer's YAML build files."
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 2)
  (setq-local font-lock-defaults '(zimagefile-font-lock-keywords)))

;;;###autoload
(progn
  (add-to-list 'auto-mode-alist '("/ZImagefile\\'" . zimagefile-mode))
  (add-to-list 'auto-mode-alist '("/ZImagefile\\.[^/]+\\'" . zimagefile-mode))
  (add-to-list 'auto-mode-alist '("[^/]\\.zimagefile\\'" . zimagefile-mode)))

;; The language id Eglot sends is the mode name without "-mode":
;; "zimagefile" and "dockerfile", the ids the server expects.
(add-to-list 'eglot-server-programs
             `(zimagefile-mode . ,(lambda (&rest _) zlayer-lsp-command)))
(add-to-list 'eglot-server-programs
             `(dockerfile-mode . ,(lambda (&rest _) zlayer-lsp-command)))

(defun zlayer--server ()
  "The Eglot server of the current buffer, or an error."
  (or (eglot-current-server)
      (user-error "No zlayer language server here; start it with M-x eglot")))

(defun zlayer--build-args (&optional stage)
  "Arguments of a build command for the current file and STAGE."
  (let ((args (list :uri (concat "file://" (expand-file-name buffer-file-name)))))
    (if stage (append args (list :stage stage)) args)))

(defun zlayer--output (text)
  "Append TEXT as a line to the *zlayer build* buffer."
  (with-current-buffer (get-buffer-create "*zlayer build*")
    (let ((inhibit-read-only t))
      (goto-char (point-max))
      (insert text "\n"))))

(defun zlayer-build-stage (stage)
  "Build STAGE of the current file (and the stages it depends on)."
  (interactive (list (read-string "Stage to build: ")))
  (save-buffer)
  (zlayer--output (format "-- build %s requested --" stage))
  (display-buffer (get-buffer-create "*zlayer build*"))
  (eglot-execute-command (zlayer--server) "zlayer.buildStage" (vector (zlayer--build-args stage))))

(defun zlayer-build-image ()
  "Build the whole current file."
  (interactive)
  (save-buffer)
  (zlayer--output "-- build image requested --")
  (display-buffer (get-buffer-create "*zlayer build*"))
  (eglot-execute-command (zlayer--server) "zlayer.buildImage" (vector (zlayer--build-args))))

(defun zlayer-cancel-build ()
  "Cancel every running build."
  (interactive)
  (eglot-execute-command (zlayer--server) "zlayer.cancelBuild" []))

(cl-defmethod eglot-handle-notification
  (_server (_method (eql zlayer/buildOutput)) &key stage line &allow-other-keys)
  "Show a build output LINE of STAGE in the *zlayer build* buffer."
  (zlayer--output (if stage (format "[%s] %s" stage line) line)))

(provide 'zlayer)
;;; zlayer.el ends here
