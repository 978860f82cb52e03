# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
WORKDIR C:\app
COPY app.ps1 `
     C:\app\
RUN powershell -Command `
    Write-Host hello
