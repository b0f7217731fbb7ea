@{
    RootModule           = 'bin/SegfaultTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b5836179-b867-4b04-a5d1-fa37d5c7e9b9'
    Author               = 'SegfaultTools contributors'
    CompanyName          = 'SegfaultTools'
    Copyright            = '(c) SegfaultTools contributors. MIT License.'
    Description          = 'Turns a Linux machine''s crash evidence (kernel segfault and trap records) into typed objects for crash investigation.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('bin/SegfaultTools.format.ps1xml')
    TypesToProcess       = @('bin/SegfaultTools.types.ps1xml')
    CmdletsToExport      = @('Get-SegfaultEvent', 'Get-HybridCoreMap', 'Get-GpuDriverInfo', 'Get-SystemProfile', 'Get-HardwareErrorEvent', 'Test-CpuStability', 'Get-SegfaultDiagnosis', 'Export-SegfaultSnapshot', 'Export-SegfaultReport')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'Segfault', 'Crash', 'Diagnostics', 'Kernel', 'dmesg', 'journalctl', 'PSEdition_Core')
            ProjectUri = 'https://github.com/segfaulttools/SegfaultTools'
            LicenseUri = 'https://github.com/segfaulttools/SegfaultTools/blob/main/LICENSE'
        }
    }
}
