;;; eglot_e2e.el --- batch test of zlayer.el with Eglot and the real zlayer-lsp  -*- lexical-binding: t; -*-
;; emacs --batch -Q -l eglot_e2e.el, with SERVER, PLUGIN and FILE set.
;; Prints "e2e: ..." lines; exits 1 on the first failed expectation.

(dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path d))            ; -Q skips package activation on Emacs 28
(load (expand-file-name "zlayer.el" (getenv "PLUGIN")))
(setq zlayer-lsp-command (list (getenv "SERVER"))
      eglot-sync-connect t
      eglot-autoshutdown nil)

(defun e2e-log (fmt &rest args)
  (princ (concat "e2e: " (apply #'format fmt args) "\n")))

(defun e2e-wait (what seconds pred)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall pred)
      (error "timed out after %ss waiting for %s" seconds what))))

(defun e2e-diagnostic-on (line)
  (cl-find-if (lambda (d) (= line (line-number-at-pos (flymake-diagnostic-beg d))))
              (flymake-diagnostics)))

(condition-case err
    (progn
      (find-file (getenv "FILE"))
      (unless (eq major-mode 'zimagefile-mode)
        (error "major mode is %s, want zimagefile-mode" major-mode))
      (e2e-log "mode zimagefile-mode")
      (apply #'eglot (eglot--guess-contact)) ; what M-x eglot does, with the entry zlayer.el registered
      (e2e-wait "the server" 10 (lambda () (eglot-current-server)))
      (e2e-log "connected to %s" (plist-get (eglot--server-info (eglot-current-server)) :name))
      (e2e-wait "a diagnostic on line 9" 10 (lambda () (e2e-diagnostic-on 9)))
      (let ((d (e2e-diagnostic-on 9)))
        (unless (eq (flymake-diagnostic-type d) 'eglot-error)
          (error "diagnostic type %s, want eglot-error" (flymake-diagnostic-type d)))
        (unless (string-match-p "unknown field `baes`" (flymake-diagnostic-text d))
          (error "diagnostic text: %s" (flymake-diagnostic-text d)))
        (e2e-log "diagnostic: %s" (flymake-diagnostic-text d)))
      (let ((items (jsonrpc-request (eglot-current-server) :textDocument/completion
                                    (list :textDocument (list :uri (concat "file://" buffer-file-name))
                                          :position (list :line 9 :character 4)))))
        (let* ((list (if (vectorp items) items (plist-get items :items)))
               (labels (mapcar (lambda (i) (plist-get i :label)) list)))
          (unless (member "workdir" labels)
            (error "completion lacks workdir: %S" labels))
          (e2e-log "completion: %d items" (length labels))))
      (eglot-shutdown (eglot-current-server))
      (e2e-log "stopped")
      (kill-emacs 0))
  (error (princ (format "FAIL: %s\n" (error-message-string err)))
         (kill-emacs 1)))
