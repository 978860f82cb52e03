go test fuzz v1
[]byte("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nWORKDIR C:\\app\nCOPY app.ps1 `\n     C:\\app\\\nRUN powershell -Command `\n    Write-Host hello\n")
